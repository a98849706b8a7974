/**
 * @module
 * The `yaml` package, as the gateway uses it: for the same reason as ./typebox.ts (some 70 small
 * CommonJS modules read at every start), `npm run build` replaces the compiled form of this file
 * with one bundle (scripts/bundle-vendor.mjs). Import `yaml`'s values from here, never from the
 * package.
 */
export { isMap, isNode, isPair, isScalar, isSeq, LineCounter, Pair, parse, parseDocument, Scalar, stringify, visit, YAMLMap } from 'yaml'
export type { Node } from 'yaml'
