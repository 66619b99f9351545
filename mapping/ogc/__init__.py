"""OGC API - Features (Part 1: Core, GeoJSON, OpenAPI 3.0), read-only, per activation.

``/ogc/<slug>/`` lets QGIS or ArcGIS Pro add the activation's map as layers:
verified reports (every role), all reports (the team; not liaisons), confirmed
incidents and the reference layers, in WGS 84 longitude/latitude (CRS84).

- ``http``: the ``ogc_endpoint`` wrapper (GET/HEAD only, authentication, VIEW_MAP
  through ``activation_get_for_user``, OGC exception documents);
- ``auth``: session, ``Authorization: Token|Bearer <key>`` or HTTP Basic with the
  API token as the password; never a token in the URL;
- ``params``: limit/offset/bbox/datetime/f, unknown parameters refused (400);
- ``selectors``: the collections, their extents and pages of features;
- ``documents``: landing page, conformance, collections and GeoJSON;
- ``openapi``: the API definition (``api``; ``api.html`` renders it).

JSON is served whatever the Accept header (no HTML conformance class): the only
HTML page is the API definition's.
"""
