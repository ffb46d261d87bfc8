/**
 * Worker thread of `invertStackParallel`: builds one SbasSolver for the network, then inverts the
 * row blocks it is sent (buffers transferred, not copied) and sends the results back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SbasSolver, emptyResult, type InversionOptions } from "./inversion";
import type { Network } from "./network";

interface Job {
  id: number;
  nPix: number;
  phase: Float32Array[];
  coherence?: Float32Array[];
  skip?: Uint8Array;
}

const { net, opts } = workerData as { net: Network; opts: InversionOptions };
const solver = new SbasSolver(net, opts);
parentPort!.on("message", (job: Job) => {
  try {
    const out = emptyResult(net.dates.length, job.nPix);
    solver.solveBlock({ nPix: job.nPix, phase: job.phase, coherence: job.coherence, skip: job.skip }, out);
    parentPort!.postMessage(
      { id: job.id, ts: out.ts, tcoh: out.temporalCoherence, num: out.numInvIfgram, rankDeficient: out.rankDeficient, inverted: out.inverted },
      [...out.ts.map((t) => t.buffer), out.temporalCoherence.buffer, out.numInvIfgram.buffer],
    );
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message });
  }
});
