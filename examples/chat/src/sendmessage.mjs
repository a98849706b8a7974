// sendmessage: post `data` to every connection through the @connections API, with the client
// built from the event exactly as on AWS. Connections that answer GoneException are gone
// without their $disconnect having cleaned up: forget them.
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { listConnections, removeConnection } from './connections.mjs'

export const handler = async (event) => {
  const { domainName, stage } = event.requestContext
  const client = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` })

  let data
  try {
    data = JSON.parse(event.body).data
  } catch {
    return { statusCode: 400, body: 'Send JSON: {"action":"sendmessage","data":"..."}' }
  }
  const text = typeof data === 'string' ? data : JSON.stringify(data ?? null)

  const connectionIds = await listConnections(event.requestContext)
  await Promise.all(
    connectionIds.map(async (connectionId) => {
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: text }))
      } catch (err) {
        if (err instanceof GoneException || err?.$metadata?.httpStatusCode === 410) {
          console.log(`Found stale connection, deleting ${connectionId}`)
          await removeConnection(event.requestContext, connectionId)
        } else {
          console.error(`Failed to post to ${connectionId}`, err)
        }
      }
    })
  )
  return { statusCode: 200, body: 'Data sent.' }
}
