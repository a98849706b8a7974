/**
 * @module
 * The catalogue of responses the gateway generates itself, and replies built from it.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { GatewayResponses } from './catalog.js'
export { localReply, localReplyWithHeaders } from './reply.js'
