/**
 * @module
 * The surface of `runtime/`: what the rest of Gatehouse may use from it.
 */
export { compile, destroy, retire } from './compile.js'
export { SnapshotHolder } from './snapshot.js'
export { SourceWatcher } from './watcher.js'
export { checkHandlers, type HandlerProblem } from './check-handlers.js'
