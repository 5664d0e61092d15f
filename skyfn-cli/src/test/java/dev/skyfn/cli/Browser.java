package dev.skyfn.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** A real headless Chromium driven through ChromeDriver, as Debian's chromium and chromium-driver packages install them. */
final class Browser implements AutoCloseable {

    private static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    final ChromeDriver driver;

    Browser() {
        String browser = first(BROWSERS, "a Chromium browser (apt-get install chromium)");
        String driverPath = first(DRIVERS, "ChromeDriver (apt-get install chromium-driver)");
        var options = new ChromeOptions().setBinary(browser)
                // headless, as root on a machine without a display or a large /dev/shm
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000");
        // the page's console (its uncaught errors among it), read when a wait fails
        var logging = new org.openqa.selenium.logging.LoggingPreferences();
        logging.enable(org.openqa.selenium.logging.LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        var service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driverPath)).build();
        this.driver = new ChromeDriver(service, options);
    }

    private static String first(List<String> paths, String what) {
        return paths.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + what + " at any of " + paths));
    }

    void open(String url) {
        driver.get(url);
    }

    /**
     * Waits up to 15 s for {@code until} to give something other than null or false; an element
     * the page drew again meanwhile (the console redraws as its data comes) is looked up again.
     */
    <T> T await(Function<WebDriver, T> until) {
        try {
            return new WebDriverWait(driver, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(until);
        } catch (org.openqa.selenium.TimeoutException e) {
            // what the page showed when the wait gave up: the one clue a failure in CI leaves
            throw new AssertionError("the page at " + driver.getCurrentUrl() + " did not reach the state awaited in 15 s; it showed:\n"
                    + driver.findElement(By.tagName("body")).getText() + "\nand its console said:\n" + consoleLines(), e);
        }
    }

    private String consoleLines() {
        try {
            return String.join("\n", driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                    .map(entry -> entry.getLevel() + " " + entry.getMessage()).toList());
        } catch (RuntimeException e) {
            return "(its console could not be read: " + e.getMessage() + ")";
        }
    }

    WebElement shown(By by) {
        return await(d -> d.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

    /** Waits until the element {@code by} finds holds {@code text}; returns its whole text. */
    String awaitText(By by, String text) {
        return await(d -> d.findElements(by).stream().map(WebElement::getText).filter(t -> t.contains(text)).findFirst().orElse(null));
    }

    void screenshot(Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    /** The row of the table {@code id} whose first cell is {@code first}, each cell by its column's heading (lower case); null when absent. */
    static java.util.Map<String, String> row(WebDriver d, String id, String first) {
        List<String> headings = d.findElements(By.cssSelector("#" + id + " thead th")).stream()
                .map(h -> h.getText().toLowerCase(java.util.Locale.ROOT)).toList();
        for (var tr : d.findElements(By.cssSelector("#" + id + " tbody tr"))) {
            List<String> cells = tr.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
            if (!cells.isEmpty() && cells.getFirst().equals(first) && cells.size() == headings.size()) {
                java.util.Map<String, String> byHeading = new java.util.HashMap<>();
                for (int i = 0; i < cells.size(); i++) {
                    byHeading.put(headings.get(i), cells.get(i));
                }
                return byHeading;
            }
        }
        return null;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
