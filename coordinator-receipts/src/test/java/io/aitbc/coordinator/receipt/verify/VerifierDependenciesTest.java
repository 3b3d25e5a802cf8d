package io.aitbc.coordinator.receipt.verify;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/** The offline verifier jar holds this package alone, so it may use nothing but the JDK, BouncyCastle and Jackson. */
class VerifierDependenciesTest {

    @Test
    void verifierNeedsOnlyTheJdkBouncyCastleAndJackson() {
        JavaClasses verifier = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.aitbc.coordinator.receipt.verify");

        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "javax..", "org.bouncycastle..", "com.fasterxml.jackson..",
                        "io.aitbc.coordinator.receipt.verify..")
                .check(verifier);
    }
}
