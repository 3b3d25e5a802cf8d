package io.aitbc.coordinator.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The modules' boundaries: the aggregates stay private to coordinator-command, whose {@code api}
 * packages are the only part others import; nothing outside the gateway imports the gateway.
 */
@AnalyzeClasses(packages = "io.aitbc.coordinator", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundariesTest {

    private static final String[] AGGREGATE_PACKAGES = {
        "io.aitbc.coordinator.job", "io.aitbc.coordinator.miner", "io.aitbc.coordinator.offer"
    };

    @ArchTest
    static final ArchRule onlyApiPackagesOfTheCommandModuleAreImported = noClasses()
            .that().resideOutsideOfPackages(AGGREGATE_PACKAGES)
            .should().dependOnClassesThat().resideInAnyPackage(AGGREGATE_PACKAGES)
            .because("other modules speak to aggregates through the message records of the api packages");

    @ArchTest
    static final ArchRule apiPackagesDependOnNothingOfTheOtherModules = noClasses()
            .that().resideInAPackage("io.aitbc.coordinator..api..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.aitbc.coordinator.query..", "io.aitbc.coordinator.receipt..", "io.aitbc.coordinator.gateway..")
            .because("the published language stands on its own");

    @ArchTest
    static final ArchRule nothingImportsTheGateway = noClasses()
            .that().resideOutsideOfPackage("io.aitbc.coordinator.gateway..")
            .should().dependOnClassesThat().resideInAPackage("io.aitbc.coordinator.gateway..")
            .because("the gateway is the outermost layer");

    @ArchTest
    static final ArchRule queryAndReceiptsStayApart = noClasses()
            .that().resideInAPackage("io.aitbc.coordinator.receipt..")
            .should().dependOnClassesThat().resideInAPackage("io.aitbc.coordinator.query..")
            .because("receipts are issued from events, not from read models");
}
