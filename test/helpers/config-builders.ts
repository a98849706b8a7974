// Pieces of gateway configs that several tests write out.

/**
 * YAML: the `echo` function (echo.mjs, to be copied next to the config) and one API whose
 * `$default` route invokes it (payload 2.0: the event comes back as the body).
 */
export function echoApiYaml(name: string, apiId: string): string {
  return `functions:
  echo:
    handler: echo.handler
apis:
  - name: ${name}
    apiId: ${apiId}
    routes:
      - routeKey: $default
        target: integrations/echo
    integrations:
      - integrationId: echo
        integrationType: AWS_PROXY
        integrationUri: echo
        payloadFormatVersion: "2.0"
`
}
