import { describe, expect, it } from "vitest";
import { bperpTimeseries, countComponents, designMatrixA, designMatrixB, minimumSpanningTree, modifyNetwork, type Network } from "../../src/sbas/network";
import { decimalYear, tbaseYears } from "../../src/sbas/dates";

const dates = ["20230101", "20230113", "20230125", "20230206"];
const net: Network = { dates, pairs: [[0, 1], [1, 2], [0, 2], [2, 3]] };
const base = {
  tempBaseMax: Infinity,
  perpBaseMax: Infinity,
  connNumMax: Infinity,
  excludeDate: [] as string[],
  excludeIfgIndex: [] as number[],
  coherenceBased: false,
  minCoherence: 0.7,
  keepMinSpanTree: true,
};

describe("network", () => {
  it("builds MintPy's A and B design matrices", () => {
    expect(Array.from(designMatrixA(net))).toEqual([1, 0, 0, -1, 1, 0, 0, 1, 0, 0, -1, 1]);
    const dt = 12 / 365.25;
    const B = Array.from(designMatrixB(net));
    expect(B.map((v) => Math.round(v / dt))).toEqual([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1]);
  });

  it("uses MintPy's time conventions", () => {
    expect(tbaseYears(dates)[3]).toBeCloseTo(36 / 365.25, 12);
    expect(decimalYear("20180101")).toBe(2018);
    expect(decimalYear("20181231")).toBeCloseTo(2018 + 364 / 365.25, 12);
  });

  it("finds disconnected subsets and the coherence minimum spanning tree", () => {
    expect(countComponents(4, [[0, 1], [2, 3]])).toBe(2);
    expect(countComponents(4, net.pairs)).toBe(1);
    const tree = minimumSpanningTree(4, net.pairs, [0.1, 0.5, 0.2, 0.3]);
    expect(tree).toEqual([0, 2, 3]);
  });

  it("modifies the network by baselines, dates and coherence while keeping it connected", () => {
    const bperp = [10, 200, 50, 20];
    const m1 = modifyNetwork(dates, net.pairs, bperp, { ...base, perpBaseMax: 100, tempBaseMax: 20 });
    expect(m1.keep).toEqual([true, false, false, true]);
    expect(m1.reasons[1]).toMatch(/bperp/);
    expect(m1.components).toBe(2);
    const m2 = modifyNetwork(dates, net.pairs, bperp, { ...base, coherenceBased: true }, [0.9, 0.3, 0.5, 0.2]);
    // 0-1 passes; 1-2 fails; 0-2 and 2-3 fail the threshold but are the MST edges that keep date 2, 3 connected
    expect(m2.keep).toEqual([true, false, true, true]);
    expect(m2.components).toBe(1);
    expect(modifyNetwork(dates, net.pairs, bperp, { ...base, excludeDate: ["20230125"] }).keep).toEqual([true, false, false, false]);
  });

  it("inverts pair baselines into per-date baselines", () => {
    const truth = [0, 35, -20, 60];
    const pairB = net.pairs.map(([i, j]) => truth[j] - truth[i]);
    const b = bperpTimeseries(net, pairB);
    truth.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 8));
  });
});
