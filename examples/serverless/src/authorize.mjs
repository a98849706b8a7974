// A Lambda authorizer with simple responses: the x-api-key header must match API_KEY.
export const handler = async (event) => {
  const key = event.headers?.['x-api-key']
  return key === process.env.API_KEY ? { isAuthorized: true, context: { caller: 'key-holder' } } : { isAuthorized: false }
}
