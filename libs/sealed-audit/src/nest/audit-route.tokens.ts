/** Internal injection token of the route resolver. Not public API. */
export const AUDIT_ROUTE_RESOLVER = Symbol('sealed-audit:route-resolver');
