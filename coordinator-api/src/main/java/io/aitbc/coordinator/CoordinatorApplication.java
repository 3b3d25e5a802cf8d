package io.aitbc.coordinator;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The coordinator. Without arguments, or with only {@code --option} arguments, it serves the API;
 * a first argument that names a command ({@code replay}, …) runs that command instead, without
 * starting the server.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CoordinatorApplication {

    public static void main(String[] args) {
        if (args.length > 0 && !args[0].startsWith("-")) {
            System.exit(Commands.run(args));
        }
        SpringApplication.run(CoordinatorApplication.class, args);
    }
}
