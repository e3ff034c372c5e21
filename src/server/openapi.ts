import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import swagger, { type SwaggerTransform } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { $ZodType } from 'zod/v4/core'
import type { ServerDeps } from './server-options.js'
import { openApiComponents } from './openapi-components.js'

/** The path of the OpenAPI document. */
export const OPENAPI_PATH = '/openapi.json'
/** The interactive reference (Swagger UI, served from its package: no CDN). */
export const DOCS_PATH = '/docs'

// src/server and dist/server are both two levels below the package root.
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

/**
 * The OpenAPI 3.1 document at /openapi.json and the reference page at /docs. Registered
 * before every route so that @fastify/swagger's onRoute hook sees them all; the route
 * schemas are Zod schemas, turned into JSON Schema by fastify-type-provider-zod, so the
 * document and the validation come from one declaration. Both pages are public: they
 * describe the API and hold no data.
 */
export async function registerOpenApi(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'etl-persistence',
        version: PACKAGE_VERSION,
        description:
          "Job configurations and execution metadata over HTTP: /api/v1 in this product's own terms, and the routes of etl-core (its GUI and scripts work unchanged). Every request runs as its API token's principal; failures answer with the `persistence_error` report.",
      },
      components: {
        securitySchemes: {
          bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token: `Authorization: Bearer <token>` (`etlp tokens create`).' },
        },
      },
      security: [{ bearerToken: [] }],
    },
    transform: documentRoute,
    transformObject: (document) => repairReferences(namedComponents(document) as OpenApiObject),
  })

  app.get(OPENAPI_PATH, { config: { public: true }, schema: { hide: true } }, async () => app.swagger())

  // Swagger UI's own routes carry no config; every route registered in this context is public.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), public: true }
    })
    await docs.register(swaggerUi, { routePrefix: DOCS_PATH })
  })
}

const zodTransform = createJsonSchemaTransform({ schemaRegistry: openApiComponents })
const namedComponents = createJsonSchemaTransformObject({ schemaRegistry: openApiComponents })

type OpenApiObject = { components?: { schemas?: Record<string, unknown> } } & Record<string, unknown>
type SwaggerDocument = ReturnType<typeof namedComponents>

/**
 * A recursive schema that no one named (`z.json()`) comes out of the Zod converter as a
 * reference to a definition it then leaves out (`#/components/schemas/schema0`, or one
 * into a `__shared` pseudo-component), and a union of only unrepresentable options (a
 * Date) as an empty `anyOf`. Both stand for "any value" here: that is what they become,
 * so every reference in the document resolves and every schema compiles.
 */
function repairReferences(document: OpenApiObject): SwaggerDocument {
  const { __shared: _shared, ...schemas } = document.components?.schemas ?? {}
  const known = new Set(Object.keys(schemas))
  const repair = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(repair)
    if (value === null || typeof value !== 'object') return value
    const ref = (value as { $ref?: unknown }).$ref
    if (typeof ref === 'string' && ref.startsWith(COMPONENT_PREFIX) && !known.has(ref.slice(COMPONENT_PREFIX.length))) return {}
    const repaired: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) {
      if (key === 'anyOf' && Array.isArray(child) && child.length === 0) continue
      repaired[key] = repair(child)
    }
    return repaired
  }
  const { components, ...rest } = document
  return repair({ ...rest, components: { ...components, schemas } }) as SwaggerDocument
}

const COMPONENT_PREFIX = '#/components/schemas/'

/**
 * One route's entry: Zod parts become JSON Schema, parts another route wrote as JSON
 * Schema already are kept as they are (a plain object given to the Zod converter would
 * fail the whole document), and public routes need no token.
 */
const documentRoute: SwaggerTransform = (document) => {
  const { schema, url, route } = document
  const isPublic = route.config?.public === true
  if (!schema) return { schema: isPublic ? { security: [] } : schema, url }
  const { zodParts, plainParts } = splitSchema(schema as Record<string, unknown>)
  const converted = zodTransform({ ...document, schema: zodParts } as Parameters<SwaggerTransform>[0])
  const merged = mergeParts(converted.schema as Record<string, unknown>, plainParts)
  return { schema: isPublic ? { ...merged, security: [] } : merged, url: converted.url ?? url }
}

const SCHEMA_PARTS = ['body', 'querystring', 'params', 'headers'] as const

function splitSchema(schema: Record<string, unknown>): { zodParts: Record<string, unknown>; plainParts: Record<string, unknown> } {
  const zodParts: Record<string, unknown> = { ...schema }
  const plainParts: Record<string, unknown> = {}
  for (const part of SCHEMA_PARTS) {
    if (schema[part] !== undefined && !(schema[part] instanceof $ZodType)) {
      plainParts[part] = schema[part]
      delete zodParts[part]
    }
  }
  const response = schema.response as Record<string, unknown> | undefined
  if (response) {
    const zodResponses: Record<string, unknown> = {}
    const plainResponses: Record<string, unknown> = {}
    for (const [status, entry] of Object.entries(response)) {
      if (entry instanceof $ZodType || hasZodContent(entry)) zodResponses[status] = entry
      else plainResponses[status] = entry
    }
    zodParts.response = zodResponses
    plainParts.response = plainResponses
  }
  return { zodParts, plainParts }
}

function hasZodContent(entry: unknown): boolean {
  const content = (entry as { content?: Record<string, { schema?: unknown }> } | null)?.content
  return typeof content === 'object' && content !== null && Object.values(content).every((media) => media.schema instanceof $ZodType)
}

function mergeParts(converted: Record<string, unknown>, plain: Record<string, unknown>): Record<string, unknown> {
  const { response: plainResponses, ...plainRest } = plain
  const response = { ...((converted.response as object | undefined) ?? {}), ...((plainResponses as object | undefined) ?? {}) }
  return { ...converted, ...plainRest, ...(Object.keys(response).length > 0 ? { response } : {}) }
}
