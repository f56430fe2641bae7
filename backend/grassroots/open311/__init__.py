"""An Open311 GeoReport v2 facade over the case workflow, mounted at /open311/v2.

Categories are the services, region codes the jurisdictions, case numbers the
service_request_ids; POST requests go through the workflow's intakeCase with an INTEGRATION
token as api_key.
"""
