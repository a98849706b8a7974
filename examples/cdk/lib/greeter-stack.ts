import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib'
import { CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import { Code, Function, Runtime } from 'aws-cdk-lib/aws-lambda'
import type { Construct } from 'constructs'

/** One function behind an HTTP API with two routes and CORS. */
export class GreeterStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props)

    const greet = new Function(this, 'Greet', {
      runtime: Runtime.NODEJS_20_X,
      handler: 'greet.handler',
      code: Code.fromAsset('lambda'),
      timeout: Duration.seconds(10),
      environment: { GREETING: 'Hello' },
    })

    const api = new HttpApi(this, 'GreeterApi', {
      corsPreflight: {
        allowOrigins: ['https://greeter.example.com'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST],
        allowHeaders: ['content-type'],
      },
    })
    const integration = new HttpLambdaIntegration('GreetIntegration', greet)
    api.addRoutes({ path: '/greet/{name}', methods: [HttpMethod.GET], integration })
    api.addRoutes({ path: '/greetings', methods: [HttpMethod.POST], integration })

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint })
  }
}
