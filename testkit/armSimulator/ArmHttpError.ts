/**
 * An error response the simulator sends, shaped as ARM shapes them: `{ "error": { "code", "message" } }`.
 * Handlers throw it; the request pipeline turns it into the HTTP response.
 */
export class ArmHttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** ARM error code, e.g. `ResourceNotFound`. */
  readonly code: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ArmHttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  /** The response body ARM sends for this error. */
  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Builders for the error responses ARM sends, with ARM's own wording. */
export const armErrors = {
  authenticationMissing: (): ArmHttpError =>
    new ArmHttpError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      {
        'WWW-Authenticate':
          'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", ' +
          `error_description="The authentication failed because of missing 'Authorization' header."`,
      },
    ),
  authenticationInvalid: (): ArmHttpError =>
    new ArmHttpError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    ),
  missingApiVersion: (): ArmHttpError =>
    new ArmHttpError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    ),
  authorizationFailed: (principal: string, objectId: string, action: string, scope: string): ArmHttpError =>
    new ArmHttpError(
      403,
      'AuthorizationFailed',
      `The client '${principal}' with object id '${objectId}' does not have authorization to perform action ` +
        `'${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please ` +
        'refresh your credentials.',
    ),
  resourceNotFound: (type: string, name: string, resourceGroup: string): ArmHttpError =>
    new ArmHttpError(
      404,
      'ResourceNotFound',
      `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details ` +
        'please go to https://aka.ms/ARMResourceNotFoundFix',
    ),
  resourceGroupNotFound: (resourceGroup: string): ArmHttpError =>
    new ArmHttpError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`),
  throttled: (t: {
    operationClass: string;
    subscriptionId: string;
    principal: string;
    retryAfterSeconds: number;
    headers?: Record<string, string>;
  }): ArmHttpError =>
    new ArmHttpError(
      429,
      'TooManyRequests',
      `Number of '${t.operationClass}' requests for subscription '${t.subscriptionId}' actor '${t.principal}' ` +
        `exceeded. Please try again after '${t.retryAfterSeconds}' seconds after additional tokens are available. ` +
        'Refer to https://aka.ms/arm-throttling',
      { ...t.headers, 'Retry-After': String(t.retryAfterSeconds) },
    ),
  invalidResourceType: (namespace: string, type: string): ArmHttpError =>
    new ArmHttpError(
      400,
      'InvalidResourceType',
      `The resource type '${type}' could not be found in the namespace '${namespace}' for this api version.`,
    ),
  noRoute: (method: string, path: string): ArmHttpError =>
    new ArmHttpError(
      404,
      'NotFound',
      `No HTTP resource was found that matches the request '${method} ${path}'.`,
    ),
  badRequest: (message: string, code = 'InvalidRequestContent'): ArmHttpError =>
    new ArmHttpError(400, code, message),
} as const;

/** The ARM error code ARM uses for an HTTP status when a fault rule names none. */
export function defaultErrorCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest',
    401: 'AuthenticationFailed',
    403: 'AuthorizationFailed',
    404: 'ResourceNotFound',
    409: 'Conflict',
    429: 'TooManyRequests',
    500: 'InternalServerError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  return codes[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequest');
}
