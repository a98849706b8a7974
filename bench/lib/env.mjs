// Settings read from BENCH_* environment variables; a bad value stops the bench with a message.

export function positiveNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) fatal(`${name} must be a positive number of seconds, not "${raw}"`)
  return n
}

export function nonNegativeNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) fatal(`${name} must be a number of seconds >= 0, not "${raw}"`)
  return n
}

export function positiveInteger(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0) fatal(`${name} must be a positive integer, not "${raw}"`)
  return n
}

export function fatal(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(1)
}
