/**
 * @module
 * The handler Gatehouse runs for a Lambda function an integration or authorizer names but that
 * no longer (or not yet) exists: the invocation fails as Lambda's would, so the route answers
 * 500 `{"message":"Internal Server Error"}` as on AWS, and the rest of the API keeps serving.
 */
export async function handler(_event: unknown, context: { invokedFunctionArn: string }): Promise<never> {
  const error = new Error(`Function not found: ${context.invokedFunctionArn}`)
  error.name = 'ResourceNotFoundException'
  throw error
}
