/**
 * Loads an ESM-only package from code that tslab compiles to CommonJS. tslab rewrites `import()` into
 * `require()`, and packages whose `exports` have only an `import` condition (h5wasm) cannot be
 * required; a Function-wrapped `import()` is left alone by every compiler and resolves from the
 * working directory, which is the project root in the kernel, the runner and the tests.
 */
const dynamicImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  return (await dynamicImport(specifier)) as T;
}
