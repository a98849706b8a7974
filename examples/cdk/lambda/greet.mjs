export const handler = async (event) => {
  const name = event.pathParameters?.name ?? JSON.parse(event.body ?? '{}').name ?? 'world'
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `${process.env.GREETING}, ${name}!`, route: event.routeKey }),
  }
}
