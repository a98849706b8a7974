export const handler = async (event) => {
  const { routeKey } = event.requestContext
  if (routeKey === '$connect' || routeKey === '$disconnect') return { statusCode: 200 }
  const { name } = JSON.parse(event.body ?? '{}')
  return { statusCode: 200, body: `${process.env.GREETING}, ${name ?? 'stranger'}! (${process.env.STAGE})` }
}
