// $disconnect: forget the connection (AWS's sample: DynamoDB DeleteItem). Best effort, as on
// AWS: sendmessage also drops ids that turn out to be gone.
import { removeConnection } from './connections.mjs'

export const handler = async (event) => {
  try {
    await removeConnection(event.requestContext, event.requestContext.connectionId)
  } catch (err) {
    console.error('Failed to disconnect', err)
    return { statusCode: 500, body: 'Failed to disconnect: ' + err.message }
  }
  return { statusCode: 200, body: 'Disconnected.' }
}
