// $default: any message that is not a sendmessage action. The route has a route response
// ($default), so this body is sent back to the client.
export const handler = async () => ({
  statusCode: 200,
  body: 'Use {"action":"sendmessage","data":"your message"} to talk to everyone in the chat.',
})
