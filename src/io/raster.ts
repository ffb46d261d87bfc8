/**
 * GeoTIFF raster I/O, one import for callers. Reading goes through geotiff.js (strips and tiles,
 * LZW/deflate/packbits, any CRS: HyP3 products, GDAL output); writing uses the project's encoder
 * (geotiff-write.ts says why); complex rasters have their own reader and writer (complex-raster.ts).
 */
export * from "./geotiff-read";
export * from "./geotiff-write";
export * from "./complex-raster";
export * from "./geotiff-tiled";
