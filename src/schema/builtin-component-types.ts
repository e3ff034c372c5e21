import { ComponentTypeRegistry, type ComponentTypeDefinition } from './component-type-registry.js'
import { dataOperationTypes } from './data-operation-types.js'
import { databaseComponentTypes } from './database-component-types.js'
import { fileComponentTypes } from './file-component-types.js'

/**
 * The origin's registered component types (its `component_registry`), field for field:
 * file readers and writers, database readers and writers, and the data operations.
 */
export const builtinComponentTypes: readonly ComponentTypeDefinition[] = [...fileComponentTypes, ...databaseComponentTypes, ...dataOperationTypes]

/** The registry every store uses unless given another: the built-in types plus users' own. */
export const defaultComponentTypes = new ComponentTypeRegistry(builtinComponentTypes)

/**
 * Adds (or replaces) a component type in the default registry.
 *
 * @example
 * registerComponentType({
 *   comp_type: 'dedupe',
 *   inputs: [{ name: 'in', required: true }],
 *   outputs: [{ name: 'out' }],
 *   payload: z.object({ keys: z.array(z.string()).min(1) }),
 * })
 */
export function registerComponentType(definition: ComponentTypeDefinition): void {
  defaultComponentTypes.register(definition)
}
