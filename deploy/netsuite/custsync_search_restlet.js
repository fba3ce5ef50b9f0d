/**
 * custsync saved-search RESTlet.
 *
 * Contract (also in restlet_contract.json, which the mock is tested against):
 *   POST {"action": "columns", "searchId": "customsearch_..."}
 *     -> {"searchId", "recordType", "columns": [{"name", "label", "join", "summary"}]}
 *   POST {"action": "results", "searchId": "customsearch_...", "page": 0, "pageSize": 1000}
 *     -> {"searchId", "columns", "page", "pageSize", "pageCount", "totalResults", "hasMore",
 *         "results": [{"id", "values": {<column name>: string | boolean | null}}]}
 *   Errors are thrown with error.create; NetSuite answers HTTP 400 {"error": {"code", "message"}}.
 *   Codes: INVALID_REQUEST, INVALID_ACTION, SSS_MISSING_REQD_ARGUMENT, INVALID_SEARCH,
 *          INVALID_PAGE_SIZE, INVALID_PAGE_RANGE.
 *
 * @NApiVersion 2.1
 * @NScriptType Restlet
 * @NModuleScope SameAccount
 */
define(['N/search', 'N/error'], (search, error) => {
    const MIN_PAGE_SIZE = 5;     // runPaged limits
    const MAX_PAGE_SIZE = 1000;

    const fail = (name, message) => {
        throw error.create({ name: name, message: message, notifyOff: true });
    };

    const describeColumn = (column) => ({
        name: column.name,
        label: column.label || null,
        join: column.join || null,
        summary: column.summary || null,
    });

    const valueKey = (column) => (column.join ? `${column.join}.${column.name}` : column.name);

    const loadSearch = (searchId) => {
        try {
            return search.load({ id: searchId });
        } catch (e) {
            fail('INVALID_SEARCH', `That search or mass update does not exist: ${searchId}`);
        }
        return null;
    };

    const columnsOf = (loaded) => loaded.columns.map(describeColumn);

    const results = (loaded, searchId, body) => {
        const page = body.page === undefined ? 0 : body.page;
        const pageSize = body.pageSize === undefined ? MAX_PAGE_SIZE : body.pageSize;
        if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
            fail('INVALID_PAGE_SIZE', `pageSize must be an integer from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}.`);
        }
        if (!Number.isInteger(page) || page < 0) {
            fail('INVALID_PAGE_RANGE', 'page must be an integer from 0.');
        }
        const columns = loaded.columns;
        // Same criteria and columns, sorted by internal id so that pages are stable.
        const ordered = search.create({
            type: loaded.searchType,
            filters: loaded.filterExpression,
            columns: columns.concat([search.createColumn({ name: 'internalid', sort: search.Sort.ASC })]),
        });
        const paged = ordered.runPaged({ pageSize: pageSize });
        const totalResults = paged.count;
        const pageCount = paged.pageRanges.length;
        if (page >= Math.max(pageCount, 1)) {
            fail('INVALID_PAGE_RANGE', `page ${page} is out of range; the search has ${pageCount} page(s).`);
        }
        const rows = pageCount === 0 ? [] : paged.fetch({ index: page }).data;
        return {
            searchId: searchId,
            columns: columns.map(describeColumn),
            page: page,
            pageSize: pageSize,
            pageCount: pageCount,
            totalResults: totalResults,
            hasMore: page + 1 < pageCount,
            results: rows.map((row) => {
                const values = {};
                columns.forEach((column) => {
                    const value = row.getValue(column);
                    values[valueKey(column)] = value === '' || value === undefined ? null : value;
                });
                return { id: String(row.id), values: values };
            }),
        };
    };

    const post = (body) => {
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
            fail('INVALID_REQUEST', 'The request body must be a JSON object.');
        }
        const action = body.action;
        if (action !== 'columns' && action !== 'results') {
            fail('INVALID_ACTION', `Unknown action ${JSON.stringify(action)}; use "columns" or "results".`);
        }
        const searchId = body.searchId;
        if (typeof searchId !== 'string' || searchId === '') {
            fail('SSS_MISSING_REQD_ARGUMENT', 'Missing a required argument: searchId');
        }
        const loaded = loadSearch(searchId);
        if (action === 'columns') {
            return { searchId: searchId, recordType: loaded.searchType, columns: columnsOf(loaded) };
        }
        return results(loaded, searchId, body);
    };

    return { post: post };
});
