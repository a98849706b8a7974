/**
 * @module
 * Java's `String` methods where templates call them and JavaScript's differ or are missing:
 * API Gateway's Velocity runs on Java, so `$s.replaceAll('a.*', '')` takes a regular
 * expression, `$s.length()` is a method, `$s.split(',')` splits on a regex and
 * `$s.contains('x')` exists. velocityjs consults these before calling a JavaScript method.
 */

interface MethodCall {
  readonly property: string
  readonly params: unknown[]
  readonly context: unknown
}

interface Handler {
  readonly uid: string
  match(call: MethodCall): boolean
  resolve(call: MethodCall): unknown
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v))

const STRING_METHODS: Readonly<Record<string, (s: string, params: unknown[]) => unknown>> = {
  replaceAll: (s, [regex, replacement]) => s.replace(new RegExp(text(regex), 'g'), javaReplacement(text(replacement))),
  replaceFirst: (s, [regex, replacement]) => s.replace(new RegExp(text(regex)), javaReplacement(text(replacement))),
  matches: (s, [regex]) => new RegExp(`^(?:${text(regex)})$`).test(s),
  split: (s, [regex]) => {
    const parts = s.split(new RegExp(text(regex)))
    // Java drops trailing empty strings.
    while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
    return parts
  },
  length: (s) => s.length,
  contains: (s, [part]) => s.includes(text(part)),
  equals: (s, [other]) => s === other,
  equalsIgnoreCase: (s, [other]) => typeof other === 'string' && s.toLowerCase() === other.toLowerCase(),
  isEmpty: (s) => s.length === 0,
}

/** Java's `$1` group references are JavaScript's too; `\$` is a literal dollar in Java. */
function javaReplacement(replacement: string): string {
  return replacement.replace(/\\\$/g, '$$$$')
}

export const JAVA_METHOD_HANDLERS: readonly Handler[] = [
  {
    uid: 'gatehouse: java.lang.String',
    match: ({ property, context }) => typeof context === 'string' && Object.hasOwn(STRING_METHODS, property),
    resolve: ({ property, params, context }) => (STRING_METHODS[property] as (s: string, p: unknown[]) => unknown)(context as string, params),
  },
]
