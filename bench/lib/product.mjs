// Where the benchmark finds the product: the build in ../dist (run `npm run build`), or
// another build given by ETLP_BENCH_DIST (an absolute path to its index.js).
import { fileURLToPath, pathToFileURL } from 'node:url'

const entry = process.env.ETLP_BENCH_DIST ? pathToFileURL(process.env.ETLP_BENCH_DIST).href : new URL('../../dist/index.js', import.meta.url).href

export const product = await import(entry)
export const productPath = fileURLToPath(entry)
