// Module resolve hook: adds the "source" export condition, so @plasma-tree/* resolve to their TypeScript sources.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions?.includes('source') ? context.conditions : ['source', ...(context.conditions ?? [])];
  return nextResolve(specifier, { ...context, conditions });
}
