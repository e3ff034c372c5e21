import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { defaultComponentTypes } from '../../schema/builtin-component-types.js'
import type { ComponentTypeDefinition } from '../../schema/component-type-registry.js'
import type { ServerDeps } from '../server-options.js'
import { componentSchemas, type ComponentSchemas } from './config-component-schemas.js'
import { jobFormSchema } from './config-job-schema.js'
import { originError, pythonRepr } from './origin-errors.js'

const tags = ['configs']

const componentParamsSchema = z.object({ comp_type: z.string().min(1).max(100).describe('A registered component type, e.g. read_csv') })

const schemaResponse = z.looseObject({}).describe('A JSON Schema (form views: reshaped for the GUI, see the route)')

/**
 * /configs (api/routers/schemas.py): the schemas the origin's GUI builds its forms from,
 * generated from the component type registry the store validates with (built-in types
 * and every `registerComponentType`), so a form never offers a field the store refuses.
 * The origin hides its test stubs in production; this registry has none to hide.
 */
export async function registerOriginConfigRoutes(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.get(
    '/configs/job',
    {
      schema: {
        tags,
        summary: 'Get Job JSON schema (not inlined; $defs preserved)',
        description:
          'The job\'s own fields as the GUI\'s form reads them: `properties` is a list of `{name, schema, required}` in display order, string enums are `type: "select"`.',
        response: { 200: schemaResponse },
      },
    },
    async () => jobFormSchema(),
  )

  routes.get(
    '/configs/component_types',
    {
      schema: {
        tags,
        summary: 'List all available concrete component types',
        response: { 200: z.array(z.string()) },
      },
    },
    async () => defaultComponentTypes.names(),
  )

  const view = (name: keyof ComponentSchemas, summary: string, description: string) =>
    routes.get(
      `/configs/:comp_type/${name}`,
      { schema: { tags, summary, description, params: componentParamsSchema, response: { 200: schemaResponse } } },
      async (request) => componentSchemas(registeredType(request.params.comp_type))[name],
    )
  view(
    'form',
    'Get form-focused component schema (hidden fields removed)',
    "The fields the GUI's form shows, reshaped for it (properties as an ordered list, enums as selects), with `x-class` (ports), `comp-type`, `icon` and the default `name`.",
  )
  view('full', 'Get full component schema (no fields stripped)', 'Every field of a component of this type as standard JSON Schema, with `x-class` (ports).')
  view(
    'hidden',
    'Get hidden-only component schema (GUI-hidden fields only)',
    'Only the fields the form leaves out (type, routes, extra ports, layout, metadata), with `x-class`.',
  )
}

/** The type's definition, or the origin's 404 for a type nobody registered. */
function registeredType(compType: string): ComponentTypeDefinition {
  const definition = defaultComponentTypes.get(compType)
  if (!definition)
    throw originError(404, 'SCHEMA_COMPONENT_UNKNOWN', `Unknown component ${pythonRepr(compType)}`, undefined, { context: { comp_type: compType } })
  return definition
}
