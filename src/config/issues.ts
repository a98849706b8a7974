/**
 * @module
 * Config problems, each naming the file, the line where known, the path inside the
 * document and the reason, so `gatehouse validate` can print them all at once.
 */

export type DocPath = readonly (string | number)[]

export interface ConfigIssue {
  readonly file: string
  readonly line: number | undefined
  /** Path inside the document, e.g. `apis[0].routes[2].routeKey`. */
  readonly path: string
  readonly message: string
}

/** Renders `["apis", 0, "routes"]` as `apis[0].routes`; keys with odd characters are quoted. */
export function formatPath(path: DocPath): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out === '' ? '(root)' : out
}

export function formatIssue(issue: ConfigIssue, relativeTo?: string): string {
  const file = relativeTo !== undefined ? relativeFile(issue.file, relativeTo) : issue.file
  const where = issue.line !== undefined ? `${file}:${issue.line}` : file
  return `${where}: ${issue.path}: ${issue.message}`
}

function relativeFile(file: string, base: string): string {
  return file.startsWith(base + '/') ? file.slice(base.length + 1) : file
}

/** Thrown by `loadConfig` callers that want an exception; carries every issue. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => '  ' + formatIssue(i)).join('\n')
    )
    this.name = 'ConfigError'
    this.issues = issues
  }
}
