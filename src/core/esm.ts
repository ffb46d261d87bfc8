/**
 * Loads an ESM-only package (h5wasm) from code that must also run compiled to CommonJS by tslab.
 * tslab rewrites `import()` into `require()`, and packages whose `exports` have only an `import`
 * condition cannot be required; a Function-wrapped `import()` is left alone by every compiler and
 * resolves from the working directory (the project root in the kernel, the runner and the tests).
 * Inside a vm context (vitest) that form has no import callback, and there the plain `import()`
 * below, which the test runner handles itself, takes over.
 */
const dynamicImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  try {
    return (await dynamicImport(specifier)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING") throw e;
    return (await import(/* @vite-ignore */ specifier)) as T;
  }
}
