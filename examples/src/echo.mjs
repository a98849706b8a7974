// Returns the event as received: handy to see exactly what API Gateway sends a function.
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(event, null, 2),
})
