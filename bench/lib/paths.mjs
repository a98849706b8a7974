// Where the benchmarks find the repository and their fixtures.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
export const FIXTURES = join(ROOT, 'bench/fixtures')
export const GATEWAY_CONFIG = join(FIXTURES, 'gatehouse.yaml')
