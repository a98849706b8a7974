/**
 * @module
 * `gatehouse token`: mints a token from Gatehouse's development issuer, for calling JWT routes
 * whose authorizer names `issuer: https://dev-issuer.gatehouse.localhost`. The token alone
 * goes to stdout (`curl -H "authorization: Bearer $(gatehouse token --sub alice)"`).
 */
import { parseArgs } from 'node:util'
import { DEV_AUDIENCE, DEV_ISSUER, DEV_ISSUER_KEY_VARIABLE, DEV_TOKEN_LIFETIME_SECONDS, DevIssuer, defaultDevIssuerKeyFile } from '../auth/index.js'

export const TOKEN_USAGE = `Usage: gatehouse token --sub SUBJECT [options]

Signs a JWT with Gatehouse's development issuer (${DEV_ISSUER}).
A JWT authorizer with jwtConfiguration.issuer set to that issuer accepts it.

Options:
  --sub S             The subject (sub claim); required
  --scope S           A scope (repeatable, or several separated by spaces)
  --aud A             An audience (repeatable; default ${DEV_AUDIENCE})
  --expires-in N      Lifetime in seconds (default ${DEV_TOKEN_LIFETIME_SECONDS})
  --key-file F        The issuer's key file (default $${DEV_ISSUER_KEY_VARIABLE} or ~/.gatehouse/dev-issuer-key.json;
                      created on first use; serve uses the same file)
  --json              Print {"token", "claims"} instead of the token alone
`

export async function token(argv: readonly string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        sub: { type: 'string' },
        scope: { type: 'string', multiple: true },
        aud: { type: 'string', multiple: true },
        'expires-in': { type: 'string' },
        'key-file': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    process.stderr.write(`gatehouse token: ${(err as Error).message}\n\n${TOKEN_USAGE}`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write(TOKEN_USAGE)
    return 0
  }
  if (values.sub === undefined || values.sub === '') {
    process.stderr.write(`gatehouse token: --sub is required\n\n${TOKEN_USAGE}`)
    return 2
  }
  const expires = values['expires-in']
  if (expires !== undefined && !/^\d+$/.test(expires)) {
    process.stderr.write('gatehouse token: --expires-in must be a whole number of seconds\n')
    return 2
  }
  const issuer = new DevIssuer(values['key-file'] ?? defaultDevIssuerKeyFile())
  try {
    const minted = await issuer.sign({
      sub: values.sub,
      scope: (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter((s) => s !== ''),
      aud: values.aud ?? [],
      ...(expires !== undefined ? { expiresInSeconds: Number(expires) } : {}),
    })
    process.stdout.write(values.json === true ? JSON.stringify(minted) + '\n' : minted.token + '\n')
    return 0
  } catch (err) {
    process.stderr.write(`gatehouse token: ${(err as Error).message}\n`)
    return 1
  }
}
