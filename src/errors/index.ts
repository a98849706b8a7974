/**
 * @module
 * The surface of `errors/`: what the rest of Gatehouse may use from it.
 */
export { GatewayResponses } from './catalog.js'
export { localReply, localReplyWithHeaders } from './reply.js'
