import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

/** The repository root (tests run compiled from build/test/...). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
/** Source fixtures (handler modules, configs, OpenAPI documents) are not compiled. */
export const fixturesDir = join(repoRoot, 'test', 'fixtures')
export const handlersDir = join(fixturesDir, 'handlers')
export const cliPath = join(repoRoot, 'bin', 'gatehouse.js')
