#!/usr/bin/python3
"""Compare src/sbas against MintPy on the same inputs and choices.

Usage (from the repository root):
    /usr/bin/python3 tools/mintpy_compare.py <our-out-dir> <work-dir> [weight-func] [--json result.json]

<our-out-dir> is the `--out` of `npm run sbas -- ... --write-stack --param troposphere=no
--param deramp=no --param periodic=none --param weightFunc=<w> --param referenceDate=first`, so it holds
inputs/ifgramStack.h5 + inputs/geometryGeo.h5 (the exact stack our run read) and our timeseries_raw.h5,
timeseries.h5 (after the DEM-error correction) and velocity.h5.

MintPy 1.5.1 (apt python3-mintpy) then runs on a copy of those inputs:
  ifgram_inversion.py  (same reference pixel REF_Y/REF_X, same weight function, minRedundancy 1)
  dem_error.py         (polyOrder 2, geometry from geometryGeo.h5)
  timeseries2velocity.py (linear)
and the script prints / writes the differences on coherent pixels (MintPy temporal coherence >= 0.7).
"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np


def run(cmd, cwd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--json")]
    json_out = None
    if "--json" in sys.argv:
        json_out = sys.argv[sys.argv.index("--json") + 1]
        args = [a for a in args if a != json_out]
    ours, work = os.path.abspath(args[0]), os.path.abspath(args[1])
    weight = args[2] if len(args) > 2 else "no"
    os.makedirs(os.path.join(work, "inputs"), exist_ok=True)
    stack = os.path.join(work, "inputs", "ifgramStack.h5")
    geom = os.path.join(work, "inputs", "geometryGeo.h5")
    shutil.copy(os.path.join(ours, "inputs", "ifgramStack.h5"), stack)
    shutil.copy(os.path.join(ours, "inputs", "geometryGeo.h5"), geom)

    with h5py.File(os.path.join(ours, "velocity.h5"), "r") as f:
        ref_y, ref_x = int(f.attrs["REF_Y"]), int(f.attrs["REF_X"])
    # h5wasm cannot write HDF5 booleans: dropIfgram comes as int8, MintPy indexes with it as a mask.
    with h5py.File(stack, "r+") as f:
        keep = f["dropIfgram"][:].astype(np.bool_)
        del f["dropIfgram"]
        f.create_dataset("dropIfgram", data=keep)
        f.attrs["REF_Y"] = str(ref_y)
        f.attrs["REF_X"] = str(ref_x)
        # MintPy reads the reference from attributes; the reference value per pair is read from the data.
    with h5py.File(geom, "r+") as f:
        if "waterMask" in f:
            w = f["waterMask"][:].astype(np.bool_)
            del f["waterMask"]
            f.create_dataset("waterMask", data=w)

    py = sys.executable
    mod = lambda name: [py, "-m", f"mintpy.cli.{name}"]
    run(mod("ifgram_inversion") + [stack, "-w", weight, "--min-redun", "1",
        "-o", "timeseries.h5", "temporalCoherence.h5", "numInvIfgram.h5"], work)
    run(mod("dem_error") + ["timeseries.h5", "-g", geom, "-p", "2", "-o", "timeseries_demErr.h5"], work)
    run(mod("timeseries2velocity") + ["timeseries_demErr.h5", "-o", "velocity.h5"], work)

    with h5py.File(os.path.join(work, "temporalCoherence.h5"), "r") as f:
        tcoh = f["temporalCoherence"][:]
    with h5py.File(os.path.join(work, "timeseries.h5"), "r") as f:
        ts_m_raw = f["timeseries"][:]
    with h5py.File(os.path.join(work, "timeseries_demErr.h5"), "r") as f:
        ts_m = f["timeseries"][:]
    with h5py.File(os.path.join(work, "velocity.h5"), "r") as f:
        vel_m = f["velocity"][:]
        vstd_m = f["velocityStd"][:]
    with h5py.File(os.path.join(ours, "timeseries_raw.h5"), "r") as f:
        ts_o_raw = f["timeseries"][:]
    with h5py.File(os.path.join(ours, "timeseries.h5"), "r") as f:
        ts_o = f["timeseries"][:]
        ts_o = ts_o - ts_o[0]  # MintPy's is referenced to the first date
    with h5py.File(os.path.join(ours, "velocity.h5"), "r") as f:
        vel_o = f["velocity"][:]
    with h5py.File(os.path.join(ours, "temporalCoherence.h5"), "r") as f:
        tcoh_o = f["temporalCoherence"][:]

    mask = (tcoh >= 0.7) & np.isfinite(vel_o) & np.isfinite(vel_m)
    mask[ref_y, ref_x] = False  # MintPy leaves its reference pixel un-inverted (all phase 0 → NaN)
    dv = (vel_o - vel_m)[mask] * 1000
    draw = (ts_o_raw - ts_m_raw)[:, mask] * 1000
    dts = (ts_o - ts_m)[:, mask] * 1000
    dtc = (tcoh_o - tcoh)[mask]
    res = {
        "mintpy_version": __import__("mintpy").__version__,
        "weight_func": weight,
        "reference_yx": [ref_y, ref_x],
        "coherent_pixels": int(mask.sum()),
        "velocity_mm_yr": {"max_abs_diff": float(np.abs(dv).max()), "rms_diff": float(np.sqrt((dv ** 2).mean())),
                            "mintpy_range": [float(vel_m[mask].min() * 1000), float(vel_m[mask].max() * 1000)]},
        "raw_timeseries_mm": {"max_abs_diff": float(np.abs(draw).max()), "rms_diff": float(np.sqrt((draw ** 2).mean()))},
        "dem_corrected_timeseries_mm": {"max_abs_diff": float(np.abs(dts).max()), "rms_diff": float(np.sqrt((dts ** 2).mean()))},
        "temporal_coherence": {"max_abs_diff": float(np.abs(dtc).max())},
        "velocity_std_mm_yr_median_mintpy": float(np.median(vstd_m[mask]) * 1000),
    }
    print(json.dumps(res, indent=1))
    if json_out:
        with open(json_out, "w") as f:
            json.dump(res, f, indent=1)
    return 0 if res["velocity_mm_yr"]["max_abs_diff"] <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
