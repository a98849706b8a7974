/**
 * @module
 * The one problem shape every template reader reports. A problem always names the file,
 * the 1-based line (when the template came from text) and the template path, so a user
 * can jump from the message to the offending node.
 */

/** A path inside a template: mapping keys and sequence indexes, outermost first. */
export type TemplatePath = readonly (string | number)[]

export interface TemplateProblem {
  readonly file: string
  /** 1-based line of the node, or of its closest existing ancestor; undefined for values built in code. */
  readonly line: number | undefined
  /** The path as text, e.g. `Resources.Orders.Properties.Events.Get.Properties.Path` or `Outputs.Url.Value.Fn::Join[1]`. */
  readonly path: string
  readonly message: string
}

/**
 * Keys are joined with dots and indexes are written as `[n]`, the way CloudFormation's own
 * validation errors and cfn-lint print them (`Resources.Fn.Properties.Layers[0]`).
 */
export function formatPath(path: TemplatePath): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? part : `.${part}`
  }
  return out
}

/** Where problems go while a template is read or evaluated; never throws. */
export class ProblemSink {
  readonly problems: TemplateProblem[] = []
  readonly warnings: TemplateProblem[] = []
  readonly #seen = new Set<string>()

  constructor(
    readonly file: string,
    readonly lineOf: (path: TemplatePath) => number | undefined,
  ) {}

  problem(path: TemplatePath, message: string): void {
    this.#push(this.problems, path, message)
  }

  warning(path: TemplatePath, message: string): void {
    this.#push(this.warnings, path, message)
  }

  /** The same message at the same path is reported once (a value can be reached twice, e.g. via Ref and Sub). */
  #push(list: TemplateProblem[], path: TemplatePath, message: string): void {
    const text = formatPath(path)
    const key = `${list === this.problems ? 'p' : 'w'}\0${text}\0${message}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    list.push({ file: this.file, line: this.lineOf(path), path: text, message })
  }
}
