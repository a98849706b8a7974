/**
 * @module
 * Compile a configuration into a snapshot, swap snapshots atomically, and watch source files for reloads.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { compile, destroy, retire } from './compile.js'
export { SnapshotHolder } from './snapshot.js'
export { SourceWatcher } from './watcher.js'
export { checkHandlers, type HandlerProblem } from './check-handlers.js'
