// Bounds of the Configuration's status that both its schema (configuration.ts) and the agent's
// status writer use. Kept apart from the schema so the agent, which writes the status but never
// builds a schema, does not load TypeBox at run time (about 4 MiB of a small process).

/** How many Instances in their grace period one node entry lists (the status must stay small). */
export const MAX_LISTED_IN_GRACE = 50;
