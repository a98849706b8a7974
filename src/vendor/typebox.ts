/**
 * @module
 * TypeBox, as the gateway uses it. `@sinclair/typebox` ships as some 250 small ES modules, and
 * resolving, reading and compiling them one by one took about 100 ms of every `gatehouse serve`
 * start (issue 16, target 5: the first 200 within 0.4 s). `npm run build` therefore replaces the
 * compiled form of this file with one bundle of what it re-exports (scripts/bundle-vendor.mjs);
 * compiled by `tsc` alone it is a plain re-export and behaves the same, only slower to load.
 * Import TypeBox's values from here, never from the package, so that one copy is loaded.
 */
export { Type } from '@sinclair/typebox'
export type { Static, TSchema } from '@sinclair/typebox'
export { Value } from '@sinclair/typebox/value'
