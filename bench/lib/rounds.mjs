// Scenarios run in interleaved rounds, and what the rounds are summarised by: the median run of
// each scenario, and a figure of two scenarios compared round by round.
import { NOISE_CORES, noiseOf } from './machine.mjs'
import { session } from './processes.mjs'

/**
 * Runs `runScenario(scenario)` for every scenario, `rounds` times. Each round starts one scenario
 * later: on a shared VM the position in a round matters (the first scenario of a round measured up
 * to 1.7x the others with identical code paths). Returns every result with its `round`, or
 * undefined when the bench was interrupted or a scenario returned undefined.
 */
export async function runRounds(scenarios, rounds, runScenario) {
  const runs = []
  for (let r = 1; r <= rounds; r++) {
    if (rounds > 1) console.log(`-- round ${r} of ${rounds}`)
    const shift = (r - 1) % scenarios.length
    for (const scenario of [...scenarios.slice(shift), ...scenarios.slice(0, shift)]) {
      if (session.interrupted) return undefined
      const result = await runScenario(scenario)
      if (result === undefined) return undefined
      runs.push({ round: r, ...result })
    }
  }
  return session.interrupted ? undefined : runs
}

/** The item with the median value (the lower middle one for an even count). */
export function medianBy(items, value) {
  return [...items].sort((a, b) => value(a) - value(b))[Math.floor((items.length - 1) / 2)]
}

/**
 * Scenario `numerator` against scenario `denominator`, round by round: `combine(pick(n), pick(d))`
 * for every round in which both ran (a round where it gives undefined is left out), and the
 * rounds in which either measurement was disturbed (other+steal above NOISE_CORES).
 */
export function perRound(runs, rounds, numerator, denominator, pick, combine) {
  const values = []
  const disturbedRounds = []
  for (let r = 1; r <= rounds; r++) {
    const n = runs.find((x) => x.round === r && x.name === numerator)
    const d = runs.find((x) => x.round === r && x.name === denominator)
    if (!n || !d) continue
    const value = combine(pick(n), pick(d))
    if (value === undefined) continue
    values.push(value)
    if (noiseOf(pick(n)) > NOISE_CORES || noiseOf(pick(d)) > NOISE_CORES) disturbedRounds.push(r)
  }
  return { perRound: values, disturbedRounds }
}

/** `   per round: a, b*, c` for a perRound() figure of several rounds (a star marks a disturbed round), else ''. */
export function perRoundText({ perRound: values, disturbedRounds }, format) {
  return values && values.length > 1
    ? `   per round: ${values.map((v, i) => (v === null ? 'n/a' : format(v)) + (disturbedRounds.includes(i + 1) ? '*' : '')).join(', ')}`
    : ''
}
