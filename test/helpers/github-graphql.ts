import { schema as githubSchema } from '@octokit/graphql-schema';
import {
  buildClientSchema,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from 'graphql';

/** A GraphQL request that GitHub's schema accepts, ready to execute. */
export interface CheckedGraphqlRequest {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName?: string;
  /** The variables as sent (execution coerces them again). */
  variables: Record<string, unknown>;
  /** Names of the root fields the operation selects, e.g. `enablePullRequestAutoMerge`. */
  rootFields: string[];
}

/** One entry of a GraphQL response's `errors`, as GitHub writes it. */
export interface GraphqlErrorJson {
  type?: string;
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

/**
 * A refusal GitHub answers inside a well-formed GraphQL response (HTTP 200, `data` with the field
 * null, `errors` naming it). `type` is GitHub's classification: UNPROCESSABLE, NOT_FOUND, FORBIDDEN.
 */
export class GraphqlRefusal extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

/** Thrown by a resolver for a field the double does not model: a violation, never a silent null. */
export class GraphqlGap extends Error {}

/**
 * GitHub's GraphQL schema (from @octokit/graphql-schema, generated from GitHub's own introspection)
 * as a validator and executor: a request is parsed, validated and its variables coerced exactly as
 * graphql-js does against the real schema, and the double's answers are produced by executing the
 * request, so they carry exactly the fields the query selected, with the schema's types and
 * nullability. A query the schema rejects is a problem; a field the double does not serve is too.
 */
export class GitHubGraphql {
  readonly schema: GraphQLSchema;

  private constructor(schema: GraphQLSchema) {
    this.schema = schema;
  }

  private static instance: GitHubGraphql | undefined;

  static load(): GitHubGraphql {
    GitHubGraphql.instance ??= new GitHubGraphql(buildClientSchema(githubSchema.json as unknown as IntrospectionQuery));
    return GitHubGraphql.instance;
  }

  /** Checks a POST /graphql body; problems is empty when GitHub's schema accepts the request. */
  check(body: unknown): { problems: string[]; request?: CheckedGraphqlRequest } {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { problems: ['the GraphQL request body must be a JSON object with a "query"'] };
    const { query, variables, operationName, ...rest } = body as Record<string, unknown>;
    const problems = Object.keys(rest).map((k) => `GraphQL request field "${k}" is not one of query, variables, operationName (GitHub ignores it silently)`);
    if (typeof query !== 'string' || query.trim() === '') return { problems: [...problems, 'the GraphQL request has no "query" string'] };
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) problems.push('GraphQL "variables" must be an object');
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') problems.push('GraphQL "operationName" must be a string');
    if (problems.length > 0) return { problems };

    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { problems: [`GraphQL syntax: ${describe(error)}`] };
    }
    const invalid = validate(this.schema, document);
    if (invalid.length > 0) return { problems: invalid.map((e) => `GraphQL validation: ${describe(e)}`) };
    const name = typeof operationName === 'string' ? operationName : undefined;
    const operation = getOperationAST(document, name);
    if (!operation) return { problems: [name ? `the query has no operation named ${name}` : 'the query has several operations and no operationName'] };
    const vars = (variables ?? {}) as Record<string, unknown>;
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], vars);
    if (coerced.errors) return { problems: coerced.errors.map((e) => `GraphQL variables: ${describe(e)}`) };
    const declared = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
    const unused = Object.keys(vars).filter((k) => !declared.has(k));
    if (unused.length > 0) return { problems: unused.map((k) => `GraphQL variable $${k} is sent but not declared by the operation`) };
    const rootFields = operation.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : []));
    if (rootFields.length !== operation.selectionSet.selections.length) return { problems: ['fragments at the root of an operation are not served by the double'] };
    return { problems: [], request: { document, operation, variables: vars, rootFields, ...(name ? { operationName: name } : {}) } };
  }

  /**
   * Executes a checked request against `root` (root field name -> value or resolver function) and
   * returns GitHub's response body. A GraphqlRefusal becomes an entry of `errors`, as GitHub
   * sends it; anything else that goes wrong (a field the double lacks, a value the schema's type
   * cannot represent, a null for a non-null field) is one of `problems`.
   */
  async execute(request: CheckedGraphqlRequest, root: Record<string, unknown>): Promise<{ body: { data?: unknown; errors?: GraphqlErrorJson[] }; problems: string[] }> {
    const result = await execute({
      schema: this.schema,
      document: request.document,
      rootValue: root,
      variableValues: request.variables,
      ...(request.operationName ? { operationName: request.operationName } : {}),
      fieldResolver: servedFieldsOnly,
    });
    const problems: string[] = [];
    const errors: GraphqlErrorJson[] = [];
    for (const error of result.errors ?? []) {
      const original = error.originalError;
      if (original instanceof GraphqlRefusal) {
        errors.push({ type: original.type, path: [...(error.path ?? [])], ...(error.locations ? { locations: error.locations.map((l) => ({ line: l.line, column: l.column })) } : {}), message: original.message });
      } else {
        problems.push(`the double's own GraphQL answer at ${(error.path ?? []).join('.') || '/'}: ${error.message}`);
      }
    }
    return { body: { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors.length > 0 ? { errors } : {}) }, problems };
  }
}

/**
 * graphql-js would answer null for a property the double's object lacks; GitHub would answer a
 * value, so a test could pass on a field GitHub fills differently. A missing property is a gap.
 * Function-valued properties are resolvers (arguments, lazy cycles such as pullRequest <-> autoMergeRequest).
 */
const servedFieldsOnly: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
  if (!source || typeof source !== 'object' || !(info.fieldName in source)) {
    throw new GraphqlGap(`the GitHub double does not serve ${info.parentType.name}.${info.fieldName}; add it to test/helpers/github-double.ts`);
  }
  const value = (source as Record<string, unknown>)[info.fieldName];
  return typeof value === 'function' ? (value as (a: unknown, c: unknown, i: unknown) => unknown)(args, context, info) : value;
};

function describe(error: unknown): string {
  if (error instanceof GraphQLError) {
    const where = error.locations?.[0];
    return `${error.message}${where ? ` (line ${where.line}, column ${where.column})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
