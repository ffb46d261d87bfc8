/// <reference types="@webgpu/types" />
/**
 * The GPU objects one engine instance owns: buffers (all destroyed together), bind-group layouts shared
 * by binding pattern, and compute pipelines whose compilation errors carry the shader's messages.
 */
import { USAGE } from "./layout";

export type Kind = "ro" | "rw" | "uniform";

export interface Op {
  label: string;
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  dispatch: [number, number, number];
}

const STAGE_COMPUTE = 0x4;

export class GpuResources {
  private readonly buffers: GPUBuffer[] = [];
  private readonly layouts = new Map<string, GPUBindGroupLayout>();

  constructor(readonly device: GPUDevice) {}

  /** A buffer of `floats` 32-bit values (rounded up to 16 bytes). */
  buffer(floats: number, usage = USAGE.storage | USAGE.copySrc | USAGE.copyDst): GPUBuffer {
    const b = this.device.createBuffer({ size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage });
    this.buffers.push(b);
    return b;
  }

  /** Takes ownership of buffers made elsewhere (freed with the rest). */
  track(...b: GPUBuffer[]): void {
    this.buffers.push(...b);
  }

  layout(kinds: Kind[]): GPUBindGroupLayout {
    const key = kinds.join(",");
    let l = this.layouts.get(key);
    if (!l) {
      l = this.device.createBindGroupLayout({
        entries: kinds.map((k, i) => ({
          binding: i,
          visibility: STAGE_COMPUTE,
          buffer: { type: k === "uniform" ? "uniform" : k === "ro" ? "read-only-storage" : "storage" },
        })),
      });
      this.layouts.set(key, l);
    }
    return l;
  }

  async pipeline(code: string, kinds: Kind[], label: string): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ code, label });
    const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(kinds)] });
    try {
      return await this.device.createComputePipelineAsync({ layout, compute: { module, entryPoint: "main" }, label });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const msgs = info.messages.map((m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message}`).join("; ");
      throw new Error(`GPU engine: pipeline "${label}" failed: ${(e as Error).message}${msgs ? ` (${msgs})` : ""}`);
    }
  }

  group(kinds: Kind[], buffers: GPUBuffer[]): GPUBindGroup {
    return this.device.createBindGroup({ layout: this.layout(kinds), entries: buffers.map((buffer, i) => ({ binding: i, resource: { buffer } })) });
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}
