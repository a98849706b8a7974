// The stage features bench/run.mjs and bench/callgrind.mjs add to bench/fixtures/gatehouse.yaml:
// the JSON access log, the stage throttle and the JWT authorizer (with its key pair and token).
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

/** The JSON format the API Gateway console offers (spec 9.2), verbatim. */
export const ACCESS_LOG_JSON_FORMAT =
  '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", ' +
  '"httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status",' +
  '"protocol":"$context.protocol", "responseLength":"$context.responseLength" }'
/** Stage throttling far above anything a bench can drive (the account's is as high: see the YAML). */
export const STAGE_THROTTLE = { throttlingRateLimit: 1_000_000, throttlingBurstLimit: 1_000_000 }

export const JWT_ISSUER = 'https://issuer.bench.invalid'

/** The JWT scenarios' key pair and one valid token (an hour long), made fresh per run. */
export async function benchJwt() {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }
  const token = await new SignJWT({ scope: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setIssuer(JWT_ISSUER)
    .setAudience('bench')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey)
  return { publicJwk, token }
}

/** Puts the first route behind the bench's JWT authorizer (RS256, the public key given inline, no discovery). */
export function addJwtAuthorizer(doc, publicJwk) {
  const api = doc.apis[0]
  api.authorizers = [{
    authorizerId: 'bench-jwt',
    authorizerType: 'JWT',
    identitySource: ['$request.header.Authorization'],
    jwtConfiguration: { issuer: JWT_ISSUER, audience: ['bench'] },
    jwks: { keys: [publicJwk] },
  }]
  api.routes[0].authorizationType = 'JWT'
  api.routes[0].authorizerId = 'bench-jwt'
}
