// $connect: remember the new connection (AWS's sample: DynamoDB PutItem).
import { addConnection } from './connections.mjs'

export const handler = async (event) => {
  try {
    await addConnection(event.requestContext)
  } catch (err) {
    console.error('Failed to connect', err)
    return { statusCode: 500, body: 'Failed to connect: ' + err.message }
  }
  return { statusCode: 200, body: 'Connected.' }
}
