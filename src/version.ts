/**
 * The version of this package, as in its package.json (a unit test keeps the two equal): the
 * version of the OpenTelemetry tracer its spans come from.
 */
export const PACKAGE_VERSION = '0.1.0'
