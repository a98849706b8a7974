/**
 * @module
 * `Fn::Cidr [ipBlock, count, cidrBits]`: the first `count` subnets of `ipBlock`, each with
 * `cidrBits` host bits (so a /(32 - cidrBits) for IPv4, /(128 - cidrBits) for IPv6).
 */

export type CidrResult = { ok: true; value: string[] } | { ok: false; reason: string }

/** CloudFormation accepts 1 to 256 subnets per Fn::Cidr. */
export const CIDR_MAX_COUNT = 256

export function cidrSubnets(ipBlock: string, count: number, cidrBits: number): CidrResult {
  const slash = ipBlock.indexOf('/')
  if (slash < 0) return { ok: false, reason: `"${ipBlock}" is not a CIDR block (address/prefix)` }
  const addressText = ipBlock.slice(0, slash)
  const prefixText = ipBlock.slice(slash + 1)
  const v6 = addressText.includes(':')
  const width = v6 ? 128 : 32
  const address = v6 ? parseIpv6(addressText) : parseIpv4(addressText)
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN
  if (address === undefined || !(prefix >= 0 && prefix <= width)) {
    return { ok: false, reason: `"${ipBlock}" is not a valid IPv${v6 ? 6 : 4} CIDR block` }
  }
  if (!Number.isInteger(count) || count < 1 || count > CIDR_MAX_COUNT) {
    return { ok: false, reason: `count must be an integer from 1 to ${CIDR_MAX_COUNT}, not ${count}` }
  }
  const subnetPrefix = width - cidrBits
  if (!Number.isInteger(cidrBits) || cidrBits < 0 || subnetPrefix < prefix) {
    return { ok: false, reason: `cidrBits ${cidrBits} does not fit in a /${prefix} block (must be 0 to ${width - prefix})` }
  }
  if (BigInt(count) > 1n << BigInt(subnetPrefix - prefix)) {
    return { ok: false, reason: `a /${prefix} block holds only ${1n << BigInt(subnetPrefix - prefix)} subnets of /${subnetPrefix}, not ${count}` }
  }
  const hostMask = (1n << BigInt(width - prefix)) - 1n
  const network = address & ~hostMask & ((1n << BigInt(width)) - 1n)
  const step = 1n << BigInt(cidrBits)
  const value: string[] = []
  for (let i = 0n; i < BigInt(count); i++) {
    const subnet = network + i * step
    value.push(`${v6 ? formatIpv6(subnet) : formatIpv4(subnet)}/${subnetPrefix}`)
  }
  return { ok: true, value }
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let out = 0n
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    out = (out << 8n) | BigInt(part)
  }
  return out
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 255n).toString()).join('.')
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : [])
  const head = groups(halves[0])
  const tail = groups(halves[1])
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  let out = 0n
  for (const group of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    out = (out << 16n) | BigInt(`0x${group}`)
  }
  return out
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (2+) of zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups: number[] = []
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
