/**
 * @module
 * Where a piece of configuration came from, and the shape of a config problem. Every source
 * (gatehouse.yaml, OpenAPI, templates, the control plane) reports problems in this shape so
 * `gatehouse validate` can print them all at once, each with file, line and path.
 */

/** A path inside a document: `["apis", 0, "routes"]`. */
export type DocPath = readonly (string | number)[]

export interface Origin {
  readonly file: string
  readonly path: DocPath
  readonly line: number | undefined
}

export interface ConfigIssue {
  readonly file: string
  readonly line: number | undefined
  /** Path inside the document, e.g. `apis[0].routes[2].routeKey`. */
  readonly path: string
  readonly message: string
}
