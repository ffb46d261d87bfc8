/**
 * Terrain derivatives of a gridded DEM.
 *
 * Slope follows Horn (1981): the x gradient is the (1, 2, 1)-weighted mean of the central differences of
 * the rows above, at and below the pixel, the y gradient likewise over columns; slope = atan(|∇z|).
 * Where a neighbour is off the grid or no data (NaN), that difference becomes one-sided over the
 * distance actually spanned (a plane keeps its exact slope up to the edge), and a row or column with
 * no usable pair drops out of the mean. A pixel whose own elevation is NaN has NaN slope.
 */

/**
 * Slope in degrees by Horn's method. `dx`, `dy` are the pixel sizes in the DEM's length unit (metres on
 * a UTM grid; the sign of a north-up pixel height does not matter).
 */
export function hornSlopeDegrees(dem: ArrayLike<number>, width: number, height: number, dx: number, dy: number): Float32Array {
  if (dem.length !== width * height) throw new Error(`hornSlopeDegrees: ${dem.length} values, expected ${width}×${height}`);
  const px = Math.abs(dx);
  const py = Math.abs(dy);
  if (!(px > 0 && py > 0)) throw new Error(`hornSlopeDegrees: pixel size must be positive, not ${dx}×${dy}`);
  const out = new Float32Array(width * height);
  const ok = (i: number): boolean => dem[i] === dem[i]; // not NaN
  const weights = [1, 2, 1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const centre = y * width + x;
      if (!ok(centre)) {
        out[centre] = NaN;
        continue;
      }
      let gx = 0;
      let wx = 0;
      let gy = 0;
      let wy = 0;
      for (let d = -1; d <= 1; d++) {
        const w = weights[d + 1];
        // x gradient along row y + d (the pixel's own row when that row is off the grid)
        const ry = y + d < 0 || y + d >= height ? y : y + d;
        let xa = x - 1;
        let xb = x + 1;
        if (xa < 0 || !ok(ry * width + xa)) xa = x;
        if (xb >= width || !ok(ry * width + xb)) xb = x;
        if (xa !== xb && ok(ry * width + xa) && ok(ry * width + xb)) {
          gx += (w * (dem[ry * width + xb] - dem[ry * width + xa])) / ((xb - xa) * px);
          wx += w;
        }
        // y gradient along column x + d; rows grow southwards, so north-up "y" is −row
        const cx = x + d < 0 || x + d >= width ? x : x + d;
        let ya = y - 1;
        let yb = y + 1;
        if (ya < 0 || !ok(ya * width + cx)) ya = y;
        if (yb >= height || !ok(yb * width + cx)) yb = y;
        if (ya !== yb && ok(ya * width + cx) && ok(yb * width + cx)) {
          gy += (w * (dem[yb * width + cx] - dem[ya * width + cx])) / ((yb - ya) * py);
          wy += w;
        }
      }
      const p = wx > 0 ? gx / wx : 0;
      const q = wy > 0 ? gy / wy : 0;
      out[centre] = (Math.atan(Math.hypot(p, q)) * 180) / Math.PI;
    }
  }
  return out;
}
