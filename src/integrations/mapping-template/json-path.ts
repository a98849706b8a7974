/**
 * @module
 * The JSONPath `$input.path()` and `$input.json()` read (API Gateway uses Jayway JsonPath):
 * `$`, `.name`, `['name']`, `[n]` (negative from the end), `*` / `[*]` wildcards and `..`
 * recursive descent. A path with a wildcard or descent gives the list of matches, as Jayway's
 * indefinite paths do; filters (`[?()]`) and slices are refused when the template compiles.
 */

type Step = { kind: 'name'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' } | { kind: 'descent'; then: Step }

export interface JsonPath {
  readonly steps: readonly Step[]
  /** A wildcard or descent: the result is a list. */
  readonly indefinite: boolean
}

export function parseInputPath(text: string): JsonPath | string {
  const path = text.trim()
  if (!path.startsWith('$')) return `JSONPath "${text}" must start with $`
  const steps: Step[] = []
  let i = 1
  let descend = false
  const push = (s: Step): void => {
    steps.push(descend ? { kind: 'descent', then: s } : s)
    descend = false
  }
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      descend = true
      i += 2
      if (path[i] === '[') continue
      const j = nameEnd(path, i)
      const name = path.slice(i, j)
      if (name === '') return `JSONPath "${text}": a name or [ must follow ..`
      push(name === '*' ? { kind: 'wildcard' } : { kind: 'name', name })
      i = j
    } else if (path[i] === '.') {
      const j = nameEnd(path, i + 1)
      const name = path.slice(i + 1, j)
      if (name === '') return `JSONPath "${text}": empty name after .`
      push(name === '*' ? { kind: 'wildcard' } : { kind: 'name', name })
      i = j
    } else if (path[i] === '[') {
      const end = path.indexOf(']', i)
      if (end < 0) return `JSONPath "${text}": unclosed [`
      const inner = path.slice(i + 1, end).trim()
      if (inner === '*') push({ kind: 'wildcard' })
      else if (/^-?\d+$/.test(inner)) push({ kind: 'index', index: Number(inner) })
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) push({ kind: 'name', name: inner.slice(1, -1) })
      else return `JSONPath "${text}": [${inner}] is not supported (names, indexes and * only)`
      i = end + 1
    } else {
      return `JSONPath "${text}": expected . or [ at "${path.slice(i)}"`
    }
  }
  if (descend) return `JSONPath "${text}" ends with ..`
  return { steps, indefinite: steps.some((s) => s.kind === 'wildcard' || s.kind === 'descent') }
}

function nameEnd(path: string, from: number): number {
  let j = from
  while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
  return j
}

/** The value at `path` (a list for an indefinite path), or `undefined` when absent. */
export function selectPath(root: unknown, path: JsonPath): unknown {
  let current: unknown[] = [root]
  for (const step of path.steps) {
    const next: unknown[] = []
    for (const v of current) apply(step, v, next)
    current = next
  }
  return path.indefinite ? current : current[0]
}

function apply(step: Step, value: unknown, out: unknown[]): void {
  switch (step.kind) {
    case 'name':
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step.name)) out.push((value as Record<string, unknown>)[step.name])
      return
    case 'index':
      if (Array.isArray(value)) {
        const i = step.index < 0 ? value.length + step.index : step.index
        if (i >= 0 && i < value.length) out.push(value[i])
      }
      return
    case 'wildcard':
      if (Array.isArray(value)) out.push(...value)
      else if (value !== null && typeof value === 'object') out.push(...Object.values(value))
      return
    case 'descent': {
      apply(step.then, value, out)
      const children = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : []
      for (const child of children) apply(step, child, out)
      return
    }
  }
}
