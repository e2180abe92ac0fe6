#!/usr/bin/env bash
# Assembles Apache JMeter 5.6.3 from Maven Central into .jmeter/apache-jmeter-5.6.3 (Debian's jmeter 2.13
# cannot load Moodle 5's test plans; Apache's release archive is not on a registry this project may use).
# Maven resolves the JMeter modules with JMeter's own BOMs, so the third-party jars are those of the release.
# Prints the JMETER_HOME; does nothing when it is already there. Needs Java 17 and Maven.
set -euo pipefail
V=5.6.3
WORK="$(cd "$(dirname "$0")/../.." && pwd)/.jmeter"
M2="$WORK/m2repo"
ASM="$WORK/assembly"
JH="$WORK/apache-jmeter-$V"
if [ -f "$JH/bin/ApacheJMeter.jar" ]; then echo "$JH"; exit 0; fi
rm -rf "$ASM/deps" "$JH"
mkdir -p "$ASM"
cat > "$ASM/pom.xml" <<'POM'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.throwaway</groupId>
  <artifactId>jmeter-assembly</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <properties>
    <jmeter.version>5.6.3</jmeter.version>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <!-- Align third-party versions with what JMeter 5.6.3 was built/released with (Gradle picks highest, Maven picks nearest) -->
      <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_bom</artifactId><version>${jmeter.version}</version><type>pom</type><scope>import</scope></dependency>
      <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_bom-thirdparty</artifactId><version>${jmeter.version}</version><type>pom</type><scope>import</scope></dependency>
      <!-- the 5.6.3 release zip ships kotlin-stdlib-jdk7/jdk8 1.9.10 -->
      <dependency><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-stdlib-jdk7</artifactId><version>1.9.10</version></dependency>
      <dependency><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-stdlib-jdk8</artifactId><version>1.9.10</version></dependency>
      <!-- bom-thirdparty pins httpclient5 5.3 but not httpcore5; Maven would pick 5.1.3 (via xmlresolver), release has 5.2.4 -->
      <dependency><groupId>org.apache.httpcomponents.core5</groupId><artifactId>httpcore5</artifactId><version>5.2.4</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_config</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>jorphan</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_core</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_components</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_functions</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_http</artifactId><version>${jmeter.version}</version></dependency>
    <dependency><groupId>org.apache.jmeter</groupId><artifactId>ApacheJMeter_java</artifactId><version>${jmeter.version}</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.6.1</version>
        <configuration>
          <includeScope>runtime</includeScope>
          <!-- metadata-only Kotlin-multiplatform / annotation-processor jars, not in the official lib/ -->
          <excludeArtifactIds>kotlin-stdlib-common,kotlinx-coroutines-core,kotlin-logging,auto-service-annotations</excludeArtifactIds>
          <outputDirectory>${project.basedir}/deps</outputDirectory>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
POM
( cd "$ASM" && mvn -B -ntp -Dmaven.repo.local="$M2" dependency:copy-dependencies > "$ASM/mvn.log" 2>&1 ) \
  || { tail -40 "$ASM/mvn.log" >&2; exit 1; }

mkdir -p "$JH/bin" "$JH/lib/ext" "$JH/lib/junit"
D=$ASM/deps
# launcher
cp "$D/ApacheJMeter-$V.jar" "$JH/bin/ApacheJMeter.jar"
# config files (jmeter.properties, saveservice.properties, upgrade.properties, system/user.properties,
# log4j2.xml, reportgenerator.properties, report-template/, templates/ ...) ship under bin/ in ApacheJMeter_config
( cd "$JH" && unzip -q -o "$D/ApacheJMeter_config-$V.jar" 'bin/*' )
# jorphan -> lib/ (unversioned, like the release zip)
cp "$D/jorphan-$V.jar" "$JH/lib/jorphan.jar"
# JMeter component jars -> lib/ext/ (unversioned, like the release zip)
for f in "$D"/ApacheJMeter_*-$V.jar; do
  b=$(basename "$f" "-$V.jar")
  [ "$b" = ApacheJMeter_config ] && continue
  cp "$f" "$JH/lib/ext/$b.jar"
done
# everything else (third party) -> lib/
for f in "$D"/*.jar; do
  case "$(basename "$f")" in ApacheJMeter-*|ApacheJMeter_*|jorphan-*) continue;; esac
  cp "$f" "$JH/lib/"
done
java -jar "$JH/bin/ApacheJMeter.jar" -v > /dev/null
echo "$JH"
