# Builds and runs the coordinator. Build: docker build -t aitbc/coordinator .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY coordinator-command/pom.xml coordinator-command/
COPY coordinator-query/pom.xml coordinator-query/
COPY coordinator-receipts/pom.xml coordinator-receipts/
COPY coordinator-api/pom.xml coordinator-api/
COPY coordinator-command/src coordinator-command/src
COPY coordinator-query/src coordinator-query/src
COPY coordinator-receipts/src coordinator-receipts/src
COPY coordinator-api/src coordinator-api/src
RUN mvn -B -ntp -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home /var/lib/coordinator coordinator \
    && mkdir -p /var/lib/coordinator && chown coordinator /var/lib/coordinator
COPY --from=build /src/coordinator-api/target/coordinator-api.jar /opt/coordinator/coordinator-api.jar
COPY --from=build /src/coordinator-receipts/target/receipt-verifier.jar /opt/coordinator/receipt-verifier.jar
USER coordinator
WORKDIR /var/lib/coordinator
ENV COORDINATOR_DATA_DIR=/var/lib/coordinator
EXPOSE 8011 7011
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
    CMD ["sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8011 && printf 'GET /v1/health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\"' <&3"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/coordinator/coordinator-api.jar"]
