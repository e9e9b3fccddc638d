# The test backend: a tiny stdio MCP server in a container (docker/test.sh builds it with docker/test as context).
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}
COPY backendServer.mjs /srv/backendServer.mjs
ENTRYPOINT ["node", "/srv/backendServer.mjs"]
